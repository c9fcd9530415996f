INSERT INTO vertriebsvorgang (adress_nr, prozess, eroeffnet_am) VALUES (:address_id, :sales_process, :now);
