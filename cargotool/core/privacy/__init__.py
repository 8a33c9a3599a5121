"""The driver's personal data: the privacy policy's content, consents (position, live location), and forgetting
a driver ("Удалить мои данные", `/forget_me`). Other packages are reached through what the composition root
hands in, never imported from here, so no two core packages import each other."""
