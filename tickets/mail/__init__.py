"""Email in and out: the outbox (`outbound`), parsing (`parse`), ingest (`inbound`), polling
(`imap`) and the events of the ticket core that send mail (`hooks`)."""
