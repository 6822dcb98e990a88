"""The review area: the caseworkers' review app's own data.

tables    accounts, sessions, sign-in failures, the audit log, the conversation index, marks,
          comments, corrections
accounts  `ReviewAccounts`: accounts, sign-in, sessions, lockout
audit     `AuditLog`: the append-only audit log
queries   `ReviewQueries`: the lists, searches, transcripts and overview an account may see
work      `ReviewWork`: marks, comments, corrections
store     `ReviewStore`: all of the above on one database, for the app
"""
