from django.core.management.base import BaseCommand, CommandError

from baocao.reporting.models import Submission
from baocao.reporting.services import verify


class Command(BaseCommand):
    help = "Verify that submitted reports still match their SHA-256 digest and Ed25519 signature"

    def add_arguments(self, parser):
        parser.add_argument("submission", nargs="?", type=int, help="submission id")
        parser.add_argument("--all", action="store_true", help="every submitted or accepted report")

    def handle(self, *args, **options):
        if options["all"]:
            subs = Submission.objects.exclude(digest="").select_related("form", "area", "version", "organisation", "signing_key")
        elif options["submission"]:
            subs = Submission.objects.filter(pk=options["submission"])
            if not subs.exists():
                raise CommandError(f"No submission with id {options['submission']}")
        else:
            raise CommandError("Give a submission id or --all")
        bad = 0
        for sub in subs.order_by("pk"):
            result = verify(sub)
            bad += not result.ok
            status = "OK" if result.ok else "FAIL"
            sig = {True: "signature valid", False: "signature INVALID", None: "not signed"}[result.signature_ok]
            self.stdout.write(f"{status} #{sub.pk} {sub} digest={sub.digest[:16]} {sig}: {result.message}")
        if bad:
            raise CommandError(f"{bad} report(s) do not match what was submitted")
