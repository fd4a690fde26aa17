"""The control panel at /panel/: every company page is under /panel/<account number>/."""

from django.urls import path

from .views import account, money, subscriptions

app_name = "panel"

company = "<str:number>/"
urlpatterns = [
    path("", account.home, name="home"),
    path("login/", account.LoginView.as_view(), name="login"),
    path("logout/", account.LogoutView.as_view(), name="logout"),
    path(company, money.DashboardView.as_view(), name="dashboard"),
    path(f"{company}transactions/", money.TransactionsView.as_view(), name="transactions"),
    path(f"{company}charges/", money.ChargesView.as_view(), name="charges"),
    path(f"{company}invoices/<int:pk>/", money.InvoiceView.as_view(), name="invoice"),
    path(f"{company}pay/", money.PayView.as_view(), name="pay"),
    path(f"{company}pay/required/", money.PayRequiredView.as_view(), name="pay_required"),
    path(
        f"{company}pay/test-gateway/<str:reference>/",
        money.TestGatewayView.as_view(),
        name="test_gateway",
    ),
    path(
        f"{company}subscriptions/", subscriptions.SubscriptionsView.as_view(), name="subscriptions"
    ),
    path(f"{company}subscriptions/order/", subscriptions.OrderView.as_view(), name="order"),
    path(
        f"{company}subscriptions/<int:pk>/",
        subscriptions.SubscriptionView.as_view(),
        name="subscription",
    ),
    path(
        f"{company}subscriptions/<int:pk>/activate/",
        subscriptions.ActivateView.as_view(),
        name="subscription_activate",
    ),
    path(
        f"{company}subscriptions/<int:pk>/renew/",
        subscriptions.RenewView.as_view(),
        name="subscription_renew",
    ),
    path(
        f"{company}subscriptions/<int:pk>/stop/",
        subscriptions.StopView.as_view(),
        name="subscription_stop",
    ),
    path(
        f"{company}subscriptions/<int:pk>/change-plan/",
        subscriptions.ChangePlanView.as_view(),
        name="subscription_change_plan",
    ),
    path(
        f"{company}subscriptions/<int:pk>/cancel/",
        subscriptions.CancelView.as_view(),
        name="subscription_cancel",
    ),
    path(
        f"{company}subscriptions/<int:pk>/withdraw-cancel/",
        subscriptions.WithdrawCancelView.as_view(),
        name="subscription_withdraw_cancel",
    ),
    path(f"{company}profile/", account.ProfileView.as_view(), name="profile"),
]
