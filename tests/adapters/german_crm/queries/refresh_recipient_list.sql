-- Re-import: only the remote facts change; the local name and description are kept.
UPDATE verteiler
SET cr_anzahl = :remote_member_count, cr_geloescht_am = NULL, importiert_am = :now
WHERE verteiler_id = :id;
