"""The SMS channel's machinery inside the Rasa server: the gateway, the worker, the output.

  provider    the small interface a gateway implements (webhooks in, SMS out)
  gatewayapi  GatewayAPI (onlinecity/gatewayapi-docs): JWT-signed webhooks, POST /rest/mtsms
  output      Rasa's output channel for SMS: collects replies, never renders payloads
  worker      per Rasa process: handles queued SMS in order, delivers reminders, sends the outbox

The input channel itself (the webhooks) is `bot/channels/gatewayapi.py`; the rules of SMS text
are `core/sms/`; every queue lives in the database (`core/store/sms_*.py`).
"""
