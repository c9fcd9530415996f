INSERT INTO address_sales_process (address_id, sales_process) VALUES (:address_id, :sales_process);
