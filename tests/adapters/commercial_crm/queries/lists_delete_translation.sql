DELETE FROM marketing_list_translation WHERE list_id = :list_id AND language_code = :language;
