INSERT INTO {{ state }}.cleverreach_schema_migration (version, name, applied_at)
VALUES (:version, :name, :applied_at);
