from django.urls import path

from companies import api, views

urlpatterns = [
    path("", views.home, name="home"),
    path("companies/", views.company_list, name="company_list"),
    path("companies/<str:ticker>/", views.company_detail, name="company_detail"),
    path("search/", views.search, name="search"),
    path("api/companies/", api.company_list, name="api_company_list"),
]
