-- Registry read paths: the latest version per stage of a model (latest_versions of every
-- registered model in a search or get, get-latest-versions) is max(version) for
-- (model_id, stage), a single descent of this index instead of a scan of the model's
-- versions grouped and sorted in temp b-trees.
CREATE INDEX model_versions_stage ON model_versions(model_id, stage, version);
