from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.urls import include, path

from forvalta.accounts import views as accounts_views
from forvalta.core import errors

urlpatterns = [
    # Login through django-allauth (forms in forvalta.accounts.forms); Forvalta's own
    # names for the two pages everybody uses.
    path("login/", allauth_views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Login through an organisation's own identity provider (docs/login.md).
    path("login/sso/", accounts_views.sso_start, name="sso_start"),
    path("login/org/<int:pk>/", accounts_views.sso_org_login, name="sso_org_login"),
    path("login/saml/", include("forvalta.accounts.saml.urls")),  # SAML 2.0 IdPs
    path("accounts/", include("allauth.urls")),
    path("security/", include("forvalta.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("register/", include("forvalta.register.urls")),
    path("open/", include("forvalta.register.opendata")),  # public: no login
    path("audit/", include("forvalta.audit.urls")),
    path("workflow/", include("forvalta.workflow.urls")),
    path("processes/", include("forvalta.processes.urls")),
    path("governance/", include("forvalta.governance.urls")),
    path("calendar/", include("forvalta.businesscalendar.urls")),
    path("calendar-feed/", include("forvalta.calendarfeed.urls")),
    path("notifications/", include("forvalta.notifications.urls")),
    path("plans/", include("forvalta.plans.urls")),
    path("access/", include("forvalta.access.urls")),
    path("compliance/", include("forvalta.compliance.urls")),
    path("logreview/", include("forvalta.logreview.urls")),
    path("api/audit/", include("forvalta.audit.api_urls")),
    path("api/", include("forvalta.api_urls")),
    path("", include("forvalta.core.urls")),
]

handler403 = errors.permission_denied
handler404 = errors.page_not_found

if settings.DEBUG:  # pragma: no cover - development only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
