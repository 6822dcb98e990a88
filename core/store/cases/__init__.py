"""The case area: the citizen's own case data.

tables      citizens, caseworkers, cases, meetings, shared notes
repository  `CaseRepository`: reads of the citizen's case, meetings and caseworker
importer    `CaseWriter`: the case importer's all-or-nothing upsert
notes       `SharedNotes`: preparation notes shared with consent (write, withdraw, read)
"""
