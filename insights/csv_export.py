"""Tables as CSV files, for spreadsheets (UTF-8 with a byte-order mark: Excel reads the
ä and ö right only with it)."""

from __future__ import annotations

import csv
import datetime

from django.http import HttpResponse

from insights.filters import Selection
from insights.reports import Table


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def csv_response(table: Table, selection: Selection) -> HttpResponse:
    slug = selection.chosen.slug if selection.chosen else "all"
    filename = f"{table.name}-{slug}-{selection.first_day}-{selection.last_day}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
    return response
