"""The local SMS gateway simulator with a "phone" page (development and tests only).

`python -m bot.tools.gateway_simulator` (started by `make run` on SMS_DEMO_PORT, default 8082);
the tests run the same `GatewaySimulator` (app.py) in their own process. APP_ENV=production
refuses it.
"""
