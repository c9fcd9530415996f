"""List members: the CRM's "Empfänger hinzufügen" dialog (add or remove contact persons on a recipient list)."""
