"""Mødeklar's runtimes beside the action server (actions/), each a package that imports no other:

rasa_plugins  the Rasa server's plug-ins: channels, NLU components, tracker and lock store,
              the response generator, the SMS worker (runs inside each Rasa process)
web           the citizens' web site with the chat widget (`python -m bot.web`)
review        the caseworkers' review app (`python -m bot.review`)
tools         the operators' tools: the CLI (`python -m bot`), the gateway simulator, the
              evaluations
"""
