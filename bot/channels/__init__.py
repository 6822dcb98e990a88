"""Input channels that verify who is asking before a message reaches Rasa.

Use these in credentials.yml instead of Rasa's built-in `rest` and `socketio` entries
(not alongside them, or the unverified channel stays reachable):

    bot.channels.rest.VerifiedRestInput:
    bot.channels.socketio.VerifiedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: metadata

The shared sanitising (CPR masking, token verification, metadata keys) is in `verification`.
"""
