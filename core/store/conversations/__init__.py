"""The conversations area: Rasa's stored conversations as the rest of the project reads them.

events     `ConversationReader`: a conversation's events from Rasa's tracker store
windows    the stored state a long conversation is loaded from
index      `ConversationIndexer`: the review app's index of conversations
retention  the purge after the retention period
"""
