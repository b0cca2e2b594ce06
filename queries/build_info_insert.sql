-- One fact about the build (key: store_stamp | built_at | active_batches).
INSERT INTO build_info VALUES ($key, $value);
