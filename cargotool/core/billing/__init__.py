"""Plans, subscriptions, YooKassa payments, promo codes and feature flags."""
