-- innovations: the bulletin's named local innovations with their area and its league.
-- Params: none.
SELECT n.innovation_id, n.adcode, a.name_zh AS area_zh, a.name_en AS area_en, a.level,
       CASE WHEN a.level = 'league' THEN a.adcode ELSE a.parent_adcode END AS league_adcode,
       p.name_zh AS league_zh, p.name_en AS league_en,
       n.title_zh, n.title_en, n.description_zh, n.description_en, n.locator,
       s.title AS source_title, s.title_en AS source_title_en
FROM innovations n
JOIN areas a USING (adcode)
JOIN areas p ON p.adcode = CASE WHEN a.level = 'league' THEN a.adcode ELSE a.parent_adcode END
CROSS JOIN (SELECT title, title_en FROM sources WHERE source_id = 'bulletin_2020_06') s
ORDER BY n.innovation_id;
