"""The baseline: a bare python-telegram-bot bot asking 54 questions with buttons, state in memory.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_URL=… python bench/bare_ptb.py

``/start`` sends the first question; each tap is answered and the message edited
into the next question. PTB's own ``AIORateLimiter``, no database.
"""

from __future__ import annotations

import os

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import AIORateLimiter, Application, CallbackQueryHandler, CommandHandler, ContextTypes

QUESTIONS = 54
position: dict[int, int] = {}


def question(n: int) -> tuple[str, InlineKeyboardMarkup]:
    buttons = [InlineKeyboardButton(str(v), callback_data=f"q|{n}|{v}") for v in range(1, 11)]
    return f"Statement {n + 1} ({n + 1} of {QUESTIONS})", InlineKeyboardMarkup([buttons[:5], buttons[5:]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user is not None and update.message is not None
    position[update.effective_user.id] = 0
    text, markup = question(0)
    await update.message.reply_text(text, reply_markup=markup)


async def tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    n = position.get(update.effective_user.id, 0) + 1
    position[update.effective_user.id] = n
    text, markup = question(min(n, QUESTIONS - 1))
    await query.edit_message_text(f"✓\n\n{text}", reply_markup=markup)


def main() -> None:
    api = os.environ["TELEGRAM_API_URL"]
    app = (Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"]).base_url(api)
           .rate_limiter(AIORateLimiter(max_retries=3)).concurrent_updates(True).build())
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(tap))
    app.run_polling(allowed_updates=["message", "callback_query"], poll_interval=0.0, timeout=10)


if __name__ == "__main__":
    main()
