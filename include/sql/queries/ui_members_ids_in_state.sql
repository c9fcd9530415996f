-- The contact ids of a list's members in one state ("remove all rejected").
SELECT contact_person_id FROM recipient_list_member WHERE list_id = :list_id AND sync_state = :state ORDER BY contact_person_id;
