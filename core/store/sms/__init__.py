"""The SMS area: what the SMS worker keeps in the database, so no SMS is lost or doubled.

tables         conversations with leases, the inbox, reminder marks, the outbox
conversations  `SmsConversations`: the inbox, the per-conversation leases, a turn's result
outbox         `Outbox`: sending in order, retries, delivery reports, expiry
reminders      `Reminders`: which meeting reminders are due and marked
rows           the rows shared by the above (conversation records, enqueueing)
"""
