DELETE FROM recipient_list_translation WHERE list_id = :list_id AND language = :language;
