"""REST: files (evidence uploads), background jobs, the legal calendar."""

from __future__ import annotations

from flask import send_file
from flask.views import MethodView
from flask_login import current_user

from enforcement.core import jobs, storage
from enforcement.core.api import ApiBlueprint
from enforcement.core.permissions import P, authenticated, require
from enforcement.system import schemas as s
from enforcement.system import service

blp = ApiBlueprint("system_api", __name__, url_prefix="/api/v1",
                   description="文件、后台任务、法定日历 Files, jobs, legal calendar")

INLINE_TYPES = {"image/jpeg", "image/png", "image/webp", "video/mp4", "application/pdf"}


@blp.route("/files")
class Files(MethodView):
    @require(P.FILES_UPLOAD)
    @blp.arguments(s.UploadSchema, location="files")
    @blp.response(201, s.FileSchema)
    def post(self, data):
        """Upload a file (multipart ``file``). The type is judged by content; stored by sha256."""
        upload = data["file"]
        return storage.store(upload.stream, upload.filename, current_user.id)


@blp.route("/files/<int:file_id>")
class FileItem(MethodView):
    @require(P.FILES_READ)
    @blp.response(200, s.FileSchema)
    def get(self, file_id):
        return storage.get_file(file_id)


@blp.route("/files/<int:file_id>/content")
class FileContent(MethodView):
    @require(P.FILES_READ)
    @blp.response(200, content_type="application/octet-stream")
    def get(self, file_id):
        """The file's bytes, after checking they still match the recorded hash."""
        record = storage.get_file(file_id)
        path = storage.verified_path(record.sha256)
        return send_file(path, mimetype=record.content_type, download_name=record.filename,
                         as_attachment=record.content_type not in INLINE_TYPES,
                         etag=record.sha256, max_age=0)


@blp.route("/jobs/<job_id>")
class JobItem(MethodView):
    @authenticated
    @blp.response(200, s.JobSchema)
    def get(self, job_id):
        """A background job's state and progress (its creator or an administrator)."""
        return jobs.status_of(service.job_for(current_user, job_id))


@blp.route("/calendar/deadline")
class Deadline(MethodView):
    @authenticated
    @blp.arguments(s.CalendarQuerySchema, location="query")
    @blp.response(200, s.CalendarAnswerSchema)
    def get(self, query):
        """A period from ``start``: ``workdays`` (法定工作日), ``days`` or ``months``."""
        return service.deadline(query["start"], workdays_=query.get("workdays"),
                                days=query.get("days"), months=query.get("months"))


@blp.route("/calendar/years/<int:year>")
class CalendarYearItem(MethodView):
    @authenticated
    @blp.response(200, s.CalendarYearSchema)
    def get(self, year):
        """A year's legal working days, holidays and make-up days, and whether it is official."""
        return service.year_info(year)

    @require(P.CALENDAR_MANAGE)
    @blp.arguments(s.CalendarEntrySchema)
    @blp.response(200, s.CalendarYearSchema)
    def put(self, data, year):
        """Enter a year's official holidays (lines ``日期或范围,休|班,名称``)."""
        service.enter_year(year, data["entries"], data["source"], current_user.id)
        return service.year_info(year)


