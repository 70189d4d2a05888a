from django.db import models


class Account(models.Model):
    name = models.CharField(max_length=100, unique=True)
    opened = models.DateTimeField(auto_now_add=True)


class Entry(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="entries")
    label = models.CharField(max_length=100)
    amount = models.IntegerField()
    note = models.TextField(default="")

    class Meta:
        unique_together = [("account", "label")]
