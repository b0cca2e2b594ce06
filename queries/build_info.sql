-- Facts about a build, written last by storage.build.build_version (script, no parameters).
CREATE TABLE build_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
