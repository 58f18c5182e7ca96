"""Local fakes of the Slack Web API and the Telegram Bot API, served on 127.0.0.1 over real HTTP."""
