"""The SMS channel's machinery inside the Rasa server: the gateway, the worker, the texts.

  provider    the small interface a gateway implements (webhooks in, SMS out)
  gatewayapi  GatewayAPI (onlinecity/gatewayapi-docs): JWT-signed webhooks, POST /rest/mtsms
  output      Rasa's output channel for SMS: collects replies, never renders payloads
  worker      per Rasa process: handles queued SMS in order, delivers reminders, sends the outbox
  formatting  a turn's bot replies as one SMS: numbered options, at most 3 segments, "MERE"
  replies     reading what a citizen texted: STOP/START/MERE, "1", "2.", a button's title
  messages    the SMS channel's own Danish messages (opt-out, limits, errors, introduction)

The input channel itself (the webhooks) is bot/rasa_plugins/channels/gatewayapi.py; the rules of
SMS text every runtime shares are core/sms/; every queue lives in the database (core/store/sms/).
"""
