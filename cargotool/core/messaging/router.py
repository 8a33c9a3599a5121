"""What the bot answers to, registered by the features that answer it.

The conversation (core/bot) dispatches every update through a `Router`; each feature fills it through a
`register(router, …)` function of its own (alerts' /mute…, privacy's /privacy and the location gate,
insights' wait questions, billing's /paysupport…), which the composition root calls once at start-up.
A command or a callback prefix registered twice is refused then, not discovered by a driver.

The bot's command menu (Bot API `setMyCommands`, set by `cargotool bot setup`) is built from the same
registrations: a command registered with `menu="…"` (or a `menu_item` for one a message hook answers, like
/paysupport) is in it, in /help's section order — a new command appears in the menu by itself. Telegram's
limits are checked at registration: a name of 1–32 lower-case letters, digits or `_`, a description of
1–256 characters.

The router sits below the features (it imports nothing of theirs), so registering needs no import of the
conversation above them.
"""

from __future__ import annotations

import re
from typing import Any, Awaitable, Callable

# `answer(query, text, alert)`: answers a button press (Bot API answerCallbackQuery, or MTProto's).
Answer = Callable[[dict[str, Any], str, bool], Awaitable[None]]
# `handler(chat_id, argument) -> (text, keyboard)`: a command in a private chat; the conversation replies.
Command = Callable[[int, str], Awaitable[tuple[str, list | None]]]
# `handler(query, answer)`: a button press whose callback data starts with the registered prefix.
Callback = Callable[[dict[str, Any], Answer], Awaitable[None]]
# `hook(message, update_id) -> handled?`: asked in order before the commands (payments, /paysupport).
MessageHook = Callable[[dict[str, Any], Any], Awaitable[bool]]
# `hook(chat_id)`: every message a driver writes to the bot in a private chat.
PrivateHook = Callable[[int], Awaitable[None]]
# `handler(chat_id, message)`: a shared (live) location; `gate(chat_id, message) -> may it be used?`.
LocationHandler = Callable[[int, dict[str, Any]], Awaitable[None]]
LocationGate = Callable[[int, dict[str, Any]], Awaitable[bool]]

# Where a help line stands in /help, whoever registers it (the text drivers know keeps this order).
HELP_SECTIONS = ("app", "responses", "payments", "searches", "help", "privacy", "alerts", "location")
MENU_NAME = re.compile(r"/[a-z0-9_]{1,32}")  # Telegram's BotCommand.command, with the slash
MENU_DESCRIPTION_MAX = 256  # Telegram's BotCommand.description: 1–256 characters


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._callbacks: dict[str, Callback] = {}
        self._help: list[tuple[int, int, str]] = []  # (section, registration order, line)
        self._menu: list[tuple[int, int, str, str]] = []  # (section, registration order, name, description)
        self._message_hooks: list[MessageHook] = []
        self._private_hooks: list[PrivateHook] = []
        self._location: LocationHandler | None = None
        self._gate: LocationGate | None = None

    # ---- registering (at start-up) ------------------------------------------------------------------

    def command(self, name: str, handler: Command, *, help: str | None = None, section: str = "",
                menu: str | None = None) -> None:
        """`/name` in a private chat; `help` (with its `section`) is its line in /help; `menu` its short
        description in the bot's command menu (in `section`'s place)."""
        if not name.startswith("/") or name != name.lower():
            raise ValueError(f"a command is a lower-case /name: {name!r}")
        if name in self._commands:
            raise ValueError(f"bot command {name} is registered twice")
        if menu is not None:
            self.menu_item(name, menu, section)
        self._commands[name] = handler
        if help is not None:
            self.help(help, section)

    def menu_item(self, name: str, description: str, section: str) -> None:
        """A line of the command menu; `command(…, menu=…)` adds one for its command."""
        if not MENU_NAME.fullmatch(name):
            raise ValueError(f"a menu command is /name of 1–32 lower-case letters, digits or '_': {name!r}")
        if not 1 <= len(description.strip()) <= MENU_DESCRIPTION_MAX:
            raise ValueError(f"the menu description of {name} must be 1–{MENU_DESCRIPTION_MAX} characters")
        if section not in HELP_SECTIONS:
            raise ValueError(f"unknown section {section!r} of {name}; one of {HELP_SECTIONS}")
        if any(item[2] == name for item in self._menu):
            raise ValueError(f"bot command {name} is in the menu twice")
        self._menu.append((HELP_SECTIONS.index(section), len(self._menu), name, description.strip()))

    def callback(self, prefix: str, handler: Callback) -> None:
        """Buttons whose callback data is `prefix:…`."""
        if not prefix or ":" in prefix:
            raise ValueError(f"a callback prefix is a word without ':': {prefix!r}")
        if prefix in self._callbacks:
            raise ValueError(f"bot callback prefix {prefix!r} is registered twice")
        self._callbacks[prefix] = handler

    def help(self, line: str, section: str) -> None:
        """A line of /help that no single command owns (or several lines at once)."""
        if section not in HELP_SECTIONS:
            raise ValueError(f"unknown /help section {section!r}; one of {HELP_SECTIONS}")
        self._help.append((HELP_SECTIONS.index(section), len(self._help), line))

    def message_hook(self, hook: MessageHook) -> None:
        self._message_hooks.append(hook)

    def private_message_hook(self, hook: PrivateHook) -> None:
        self._private_hooks.append(hook)

    def location(self, handler: LocationHandler) -> None:
        if self._location is not None:
            raise ValueError("the bot's location handler is registered twice")
        self._location = handler

    def location_gate(self, gate: LocationGate) -> None:
        if self._gate is not None:
            raise ValueError("the bot's location gate is registered twice")
        self._gate = gate

    # ---- dispatching (the conversation) -------------------------------------------------------------

    def find_command(self, name: str) -> Command | None:
        return self._commands.get(name)

    def find_callback(self, data: str) -> Callback | None:
        return self._callbacks.get(data.split(":", 1)[0])

    @property
    def message_hooks(self) -> tuple[MessageHook, ...]:
        return tuple(self._message_hooks)

    @property
    def private_message_hooks(self) -> tuple[PrivateHook, ...]:
        return tuple(self._private_hooks)

    @property
    def location_handler(self) -> LocationHandler | None:
        return self._location

    @property
    def gate(self) -> LocationGate | None:
        return self._gate

    def menu(self) -> list[dict[str, str]]:
        """`setMyCommands`' `commands`: `[{command, description}]`, section by section, in registration order."""
        return [{"command": name.removeprefix("/"), "description": description}
                for _, _, name, description in sorted(self._menu)]

    def help_lines(self) -> str:
        """The registered help lines, section by section, each section in registration order."""
        return "\n".join(line for _, _, line in sorted(self._help))
