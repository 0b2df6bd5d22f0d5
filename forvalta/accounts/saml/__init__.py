"""Login through an organisation's own SAML 2.0 IdP (pysaml2), docs/login.md."""
