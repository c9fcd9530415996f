SELECT version FROM {{ state }}.cleverreach_schema_migration;
