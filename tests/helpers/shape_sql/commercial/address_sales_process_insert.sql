INSERT INTO opportunity (account_id, sales_process, created_on) VALUES (:address_id, :sales_process, :now);
