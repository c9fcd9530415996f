INSERT INTO tenant (id, name, cleverreach_conn_id, active) VALUES (:id, :name, :cleverreach_conn_id, :active);
