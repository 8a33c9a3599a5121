"""The privacy policy's content (152-ФЗ): who the operator is, which personal data is processed, why, for how
long, to whom it goes, and the driver's rights. One source for the `GET /privacy` page and the bot's `/privacy`.

Every line must stay true to what the code does: retention here is what the code (or the law) does to the data.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_GIVEN = "не указан"
CONTACT_NOT_GIVEN = "адрес не указан"


@dataclass(frozen=True)
class DataCategory:
    key: str
    name: str
    what: str
    why: str
    kept: str
    on_forget: str  # what «Удалить мои данные» does to it


@dataclass(frozen=True)
class Policy:
    operator_name: str
    operator_inn: str
    contact: str
    categories: tuple[DataCategory, ...]
    rights: tuple[str, ...]
    recipients: tuple[str, ...]

    @property
    def operator_line(self) -> str:
        """«ИП Петров П. П., ИНН 7712…», or «не указан» when the deployment has not named the operator."""
        if self.operator_name == NOT_GIVEN:
            return NOT_GIVEN
        return f"{self.operator_name}, ИНН {self.operator_inn}"


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    if hours % 10 == 1 and hours % 100 != 11:
        word = "час"
    elif 2 <= hours % 10 <= 4 and not 12 <= hours % 100 <= 14:
        word = "часа"
    else:
        word = "часов"
    return f"{hours} {word}"


def build_policy(operator_name: str | None, operator_inn: str | None, contact: str | None,
                 session_seconds: int) -> Policy:
    categories = (
        DataCategory("telegram", "Данные Telegram",
                     "номер (id) пользователя Telegram, имя, фамилия и имя пользователя (username) — их передаёт Telegram "
                     "при входе в приложение",
                     "узнать вас при входе, показать диспетчеру, чей отклик, и писать вам в чат с ботом",
                     "пока вы пользуетесь сервисом",
                     "имя, фамилия и username стираются; номер Telegram остаётся, потому что к нему привязаны платежи "
                     "и отклики"),
        DataCategory("phone", "Телефон",
                     "только если вы сами его указали: в отклике на груз (его видит диспетчер) или для чека об оплате",
                     "чтобы диспетчер мог позвонить по отклику, чтобы отправить чек (54-ФЗ)",
                     "пока вы его не измените",
                     "стирается из откликов и из контактов для чеков"),
        DataCategory("position", "Местоположение",
                     "координаты устройства или выбранный домашний город — только после вашего разрешения",
                     "посчитать порожний пробег до погрузки, ставку с ним и обратный груз; видите только вы",
                     "пока вы его не замените или не нажмёте «Забыть местоположение»",
                     "удаляется"),
        DataCategory("live_location", "Трансляция геопозиции",
                     "последняя точка и скорость, если вы транслируете геопозицию в чате с ботом и разрешили её "
                     "использовать",
                     "не присылать уведомления о грузах на ходу, а собрать их к стоянке",
                     "только пока идёт трансляция (потом удаляется сама)",
                     "удаляется; дальнейшие точки этой трансляции не сохраняются"),
        DataCategory("fuel", "Расход топлива",
                     "литры на 100 км и цена литра, если вы их ввели",
                     "оценить расход на рейс",
                     "пока вы их не измените или не сотрёте",
                     "удаляется"),
        DataCategory("searches", "Поиски и уведомления",
                     "сохранённые поиски (фильтры), правила автоотклика, тихие часы, какие грузы вам уже присылали",
                     "присылать новые грузы по вашим поискам и не присылать один груз дважды",
                     "пока вы не удалите поиск",
                     "удаляются"),
        DataCategory("responses", "Отклики на грузы",
                     "груз, предложенная ставка, комментарий, статус и история решений диспетчера",
                     "передать отклик диспетчеру перевозчика и показать вам его статус",
                     "как история работы с перевозчиком, без срока удаления",
                     "телефон и комментарий стираются; сам отклик (груз, ставка, статус) остаётся у перевозчика"),
        DataCategory("reports", "Отзывы о компаниях",
                     "вид отзыва (не заплатили, груза не было, условия изменили) и комментарий после принятого отклика",
                     "другие водители видят только общее число отзывов о компании, без автора и комментария",
                     "пока вы не удалите отзыв",
                     "автор и комментарий удаляются; обезличенный отзыв остаётся в общем счёте по компании"),
        DataCategory("payments", "Платежи",
                     "тариф, сумма, статус и номер платежа, промокод, срок подписки, возвраты; e-mail или телефон "
                     "для чека",
                     "дать доступ по подписке, вернуть деньги, вести учёт",
                     "записи о платежах — не меньше 5 лет, как требует закон о бухгалтерском учёте (402-ФЗ, ст. 29)",
                     "записи о платежах и подписка остаются (этого требует закон); e-mail и телефон для чеков "
                     "удаляются"),
        DataCategory("sessions", "Сессии и журнал",
                     "сессия приложения; журнал действий (вход, платежи, отзывы, удаление данных) с номером Telegram",
                     "держать вас в приложении после входа; разбирать споры и защищать сервис",
                     f"сессия — {_hours(session_seconds)} после последнего обращения; журнал — без срока удаления",
                     "сессии удаляются (вход потребуется заново); журнал остаётся, в нём появляется запись об "
                     "удалении"),
        DataCategory("consents", "Ваши согласия",
                     "ответы «да» или «нет» на использование местоположения и трансляции, с датой и временем",
                     "подтвердить, что вы разрешили использовать местоположение",
                     "пока вы пользуетесь сервисом",
                     "удаляются; при следующем использовании местоположения мы спросим снова"),
    )
    rights = (
        "узнать, какие ваши данные мы обрабатываем, и получить их копию;",
        "потребовать исправить неточные данные;",
        "отозвать согласие: «Забыть местоположение» в приложении, /forget_location в боте или остановить трансляцию;",
        "удалить свои данные: «Удалить мои данные» в настройках приложения или /forget_me в боте;",
        "обратиться к оператору по адресу ниже и пожаловаться в Роскомнадзор.",
    )
    recipients = (
        "Telegram — сообщения бота и приложение работают через Telegram;",
        "диспетчеры перевозчика — ваш отклик, имя и телефон, если вы его указали;",
        "платёжный сервис — сумма платежа и контакт для чека.",
    )
    return Policy(operator_name or NOT_GIVEN, operator_inn or NOT_GIVEN, contact or CONTACT_NOT_GIVEN, categories, rights,
                  recipients)


def policy_from(settings) -> Policy:
    return build_policy(settings.operator_name, settings.operator_inn, settings.privacy_contact, settings.session_ttl)


def summary_text(policy: Policy, url: str) -> str:
    """The bot's `/privacy`: the short version, with a link to the full policy."""
    lines = [f"Политика конфиденциальности: {url}", "",
             f"Оператор персональных данных: {policy.operator_line}.",
             "Что мы обрабатываем: " + "; ".join(c.name.lower() for c in policy.categories) + ".",
             "Местоположение используем только после вашего разрешения.",
             "Удалить свои данные: /forget_me или «Удалить мои данные» в настройках приложения.",
             f"Вопросы о ваших данных: {policy.contact}."]
    return "\n".join(lines)
