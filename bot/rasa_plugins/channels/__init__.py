"""Input channels that verify who is asking before a message reaches Rasa.

  rest          the REST webhook (`rest:<sender>` conversations)
  socketio      the web widget's socket.io channel (server-issued, bound conversation ids)
  gatewayapi    the SMS webhooks (GatewayAPI)
  verification  the shared sanitising: CPR masking, token verification, metadata keys
  input_check   what a body and a message may be (sizes, shapes, control characters)
  limits        body size, rate limits and the Danish answers to them, per request
  admission     admission control when the process is saturated ("Der er travlt lige nu")
  operations    not a chat channel: /health, /ready and /metrics at the server's root

Use these in credentials.yml instead of Rasa's built-in `rest` and `socketio` entries
(not alongside them, or the unverified channel stays reachable):

    bot.rasa_plugins.channels.rest.VerifiedRestInput:
    bot.rasa_plugins.channels.socketio.VerifiedSocketIOInput:
      user_message_evt: user_uttered
      bot_message_evt: bot_uttered
      session_persistence: true
      metadata_key: metadata
"""
