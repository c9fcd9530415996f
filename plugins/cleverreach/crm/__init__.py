"""Access to the hyperspace CRM database: SQL files by name, schema migrations, queries."""
