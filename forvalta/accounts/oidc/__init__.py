"""OpenID Connect login through each organisation's own identity provider.

allauth's `openid_connect` provider, with Forvalta's stricter handling of the ID token
(`provider.py`) and its own login and callback views (`views.py`, routed by allauth
under /accounts/oidc/ in place of allauth's, through SOCIALACCOUNT_PROVIDERS'
`provider_class`).
"""
