from django.core.management.base import BaseCommand, CommandError

from baocao.reporting.loader import FormFixtureError, load_forms


class Command(BaseCommand):
    help = "Load/refresh the report forms (biểu mẫu) from baocao/reporting/fixtures/forms.json"

    def handle(self, *args, **options):
        try:
            counts = load_forms()
        except FormFixtureError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"]:
            self.stdout.write(
                f"{counts['forms']} biểu mẫu, {counts['versions']} phiên bản, {counts['items']} dòng chỉ tiêu"
                f" ({counts['kept']} phiên bản đã có báo cáo được giữ nguyên)"
            )
