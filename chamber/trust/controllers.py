"""Trust pages: the merchant page, writing and confirming reviews, complaints and their tracking
page, and the desk where merchants answer and organizers decide."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..caching import public_cache
from ..chambers import operations as chamber_ops
from ..db import get_session
from ..errors import Conflict, Invalid
from ..models import Chamber, Member
from ..tokens import client_hash
from ..web import after_commit, chamber_role, fail, list_action, load_chamber, operation_failed, upload_limit
from . import operations as ops
from . import queries
from .forms import (
    CATEGORY_LABELS,
    ComplaintForm,
    DecideForm,
    HideForm,
    ReplyForm,
    RespondForm,
    ReviewForm,
    TrustSettingsForm,
)
from .mail import send_mail
from .models import MAX_EVIDENCE, UNDECIDED, Complaint, Review
from .presenters import complaint_dict, review_dict, score_dict, status_label

# --- mail (after the commit) ---------------------------------------------------------------


def review_mail(chamber: Chamber, member: Member, review: Review, token: str) -> None:
    link = url_for("trust.confirm", slug=chamber.slug, token=token, _external=True)
    send_mail(
        review.email,
        _("Confirm your review of %(name)s", name=member.business_name),
        _(
            "You rated %(name)s %(stars)d of 5 in %(chamber)s. Follow this link to publish your review "
            "(nothing is published before):\n\n%(link)s\n\nIf you did not write it, ignore this mail.",
            name=member.business_name,
            stars=review.rating,
            chamber=chamber.name,
            link=link,
        ),
    )


def complaint_mail(chamber: Chamber, business_name: str, complaint: Complaint, step: str, text: str = "") -> None:
    """Long: the shopper's mail about a decision: subject, text and link in the shopper's language."""
    link = url_for("trust.tracking", code=complaint.tracking_code, _external=True)
    subject = _(
        "Your complaint %(code)s about %(name)s: %(step)s",
        code=complaint.tracking_code,
        name=business_name,
        step=status_label(step),
    )
    body = _(
        "%(chamber)s — complaint %(code)s about %(name)s.\nStatus: %(step)s\n%(text)s\nFollow every step here:\n%(link)s",  # noqa: E501
        chamber=chamber.name,
        code=complaint.tracking_code,
        name=business_name,
        step=status_label(step),
        text=text,
        link=link,
    )
    send_mail(complaint.email, subject, body)


# --- public pages --------------------------------------------------------------------------


@public_cache
def merchant_page(slug: str, member_id: int) -> Any:
    chamber = load_chamber(slug)
    session = get_session()
    member = queries.public_member(session, chamber, member_id)
    if member is None:
        fail(404, _("There is no such merchant in this chamber."))
    score = queries.current_scores(session, chamber.id, [member.id]).get(member.id)
    reviews = [review_dict(r, chamber.timezone) for r in queries.reviews_of(session, chamber.id, member.id)]
    return render_template(
        "trust/merchant.html",
        chamber=chamber,
        member=member,
        score=score_dict(score),
        reviews=reviews,
        public_page=True,
    )


def write_review(slug: str, member_id: int) -> Any:
    """Long: the review form takes the campaign from the link, checks the shopper's rate limit and mails the
    confirmation."""
    chamber = load_chamber(slug)
    session = get_session()
    member = queries.public_member(session, chamber, member_id)
    if member is None:
        fail(404, _("There is no such merchant in this chamber."))
    given = request.args.get("campaign", "")
    form = ReviewForm(campaign=given)
    # without a campaign in the link, the shopper chooses among those the merchant took part in
    offered = [] if given else ops.member_campaigns(session, chamber, member.id)
    if request.method == "GET" and len(offered) == 1:
        form.campaign.data = offered[0][0]
    page = {"chamber": chamber, "member": member, "form": form, "given": given, "offered": offered}
    if not given and not offered:
        return render_template("trust/review_form.html", **page)
    if form.validate_on_submit():
        campaign = ops.find_campaign(session, chamber, form.campaign.data)
        if campaign is None:
            form.campaign.errors.append(_("There is no such campaign in this chamber."))
        else:
            try:
                review, token = ops.submit_review(
                    session,
                    chamber,
                    member,
                    campaign,
                    **form.review_fields(),
                    ip_hash=client_hash(request.remote_addr or ""),
                )
            except (Conflict, Invalid) as err:
                operation_failed(err, form, field="text")
                if err.status == 429:
                    return render_template("trust/review_form.html", **page), 429
            else:
                after_commit(lambda: review_mail(chamber, member, review, token))
                return render_template(
                    "trust/sent.html",
                    chamber=chamber,
                    member=member,
                    message=_("Check your email and follow the link to publish the review."),
                )
    return render_template("trust/review_form.html", **page), 400 if form.errors else 200


def confirm(slug: str, token: str) -> Any:
    """GET: the page with the "Publish my review" button (a mail link scanner must not publish);
    POST: publish. An unknown token is 404, a review published already 409 (with its link).

    Long: one URL answers GET and POST, and both refuse an unknown or used token first."""
    chamber = load_chamber(slug)
    session = get_session()
    review = ops.review_by_token(session, token)
    if review is None or review.chamber_id != chamber.id:
        fail(404, _("This confirmation link is not valid."))
    member = chamber_ops.get_member(session, chamber, review.member_id)
    page = {"chamber": chamber, "review": review, "member": member, "token": token}
    if review.confirmed_at is not None:
        return render_template("trust/confirm.html", **page, error=_("This review is already published.")), 409
    if request.method == "GET":
        return render_template("trust/confirm.html", **page)
    ops.confirm_review(session, token)
    flash(_("Thank you: your review is published."), "success")
    return redirect(url_for("trust.merchant_page", slug=chamber.slug, member_id=review.member_id))


# like the subscription confirmation: the mailed token is the proof (the shopper has no session)
confirm.csrf_exempt = True  # type: ignore[attr-defined]


def _complaint_form(session: Any, chamber: Chamber) -> tuple[ComplaintForm, list[Member]]:
    form = ComplaintForm()
    members = chamber_ops.list_members(session, chamber, ("approved",))
    if request.method == "GET":
        form.member_id.data = request.args.get("member", type=int)
        form.campaign.data = request.args.get("campaign", "")
    return form, members


@upload_limit(MAX_EVIDENCE + 64 * 1024)
def new_complaint(slug: str) -> Any:
    """Long: the complaint form with its evidence upload, the field renaming of the API and the tracking mail."""
    chamber = load_chamber(slug)
    session = get_session()
    form, members = _complaint_form(session, chamber)
    status = 200
    if form.validate_on_submit():
        member = queries.public_member(session, chamber, form.member_id.data)
        campaign = ops.find_campaign(session, chamber, form.campaign.data) if form.campaign.data else None
        upload = request.files.get("evidence")
        evidence = upload.read(MAX_EVIDENCE + 1) if upload and upload.filename else None
        if member is None:
            form.member_id.errors.append(_("There is no such merchant in this chamber."))
        elif form.campaign.data and campaign is None:
            form.campaign.errors.append(_("There is no such campaign in this chamber."))
        else:
            try:
                complaint = ops.submit_complaint(
                    session,
                    chamber,
                    member,
                    campaign,
                    **form.complaint_fields(),
                    ip_hash=client_hash(request.remote_addr or ""),
                    evidence=evidence,
                )
            except (Conflict, Invalid) as err:
                operation_failed(err, form, rename={"email": "contact_email"}, field="description")
                status = err.status
            else:
                after_commit(lambda: complaint_mail(chamber, member.business_name, complaint, "submitted"))
                return redirect(url_for("trust.tracking", code=complaint.tracking_code, new=1))
    if form.errors and status == 200:
        status = 400
    return render_template("trust/complaint_form.html", chamber=chamber, form=form, members=members), status


def tracking_view(code: str) -> dict[str, Any] | None:
    """The tracking page's data (also the API's answer), or None for an unknown code."""
    session = get_session()
    complaint = queries.get_complaint(session, code)
    if complaint is None:
        return None
    chamber = queries.chamber_of(session, complaint.chamber_id)
    name = queries.business_name(session, complaint.chamber_id, complaint.member_id)
    data = complaint_dict(complaint, queries.complaint_events(session, complaint), name, chamber.timezone)
    data["chamber"] = {"slug": chamber.slug, "name": chamber.name}
    return data


def tracking(code: str) -> Any:
    data = tracking_view(code)
    if data is None:
        fail(404, _("There is no complaint with this tracking code."))
    return render_template("trust/tracking.html", complaint=data, new=request.args.get("new") == "1")


# --- the desk: merchants answer, organizers decide -----------------------------------------


@login_required
def desk(slug: str) -> Any:
    """Long: the organizers' and merchants' desk shows reviews, complaints and settings, each with its own form."""
    chamber = load_chamber(slug, role="member")
    session = get_session()
    organizer = chamber_role(chamber) == "organizer"
    own = [m.id for m in chamber_ops.own_memberships(session, chamber, current_user) if m.status == "approved"]
    scope = None if organizer else own
    complaints = queries.complaints_of_chamber(session, chamber.id, scope)
    reviews = queries.reviews_for_merchant(
        session,
        chamber.id,
        own if not organizer else [m.id for m in chamber_ops.list_members(session, chamber, ("approved",))],
    )
    names = {m.id: m.business_name for m in chamber_ops.list_members(session, chamber, ("approved", "suspended"))}
    settings = TrustSettingsForm(complaint_days=chamber.complaint_days, public_ledger=chamber.public_ledger)
    return render_template(
        "trust/desk.html",
        chamber=chamber,
        organizer=organizer,
        own=set(own),
        names=names,
        complaints=complaints,
        reviews=reviews,
        labels=CATEGORY_LABELS,
        status_label=status_label,
        undecided=UNDECIDED,
        reply_form=ReplyForm(),
        hide_form=HideForm(),
        respond_form=RespondForm(),
        decide_form=DecideForm(),
        settings_form=settings,
    )


def _own_member_ids(session: Any, chamber: Chamber) -> set[int]:
    """The user's approved businesses here; someone without one (an organizer only) is refused (403)."""
    own = {m.id for m in chamber_ops.own_memberships(session, chamber, current_user) if m.status == "approved"}
    if not own:
        fail(403, _("Only the merchant concerned can answer."))
    return own


def _run(chamber: Chamber, form: Any, action: Any, done: str) -> Any:
    """A desk action (chamber.web.list_action): back to the desk either way."""
    return list_action(form, lambda: action(get_session()), done=done, back=url_for("trust.desk", slug=chamber.slug))


@login_required
def reply(slug: str, review_id: int) -> Any:
    chamber = load_chamber(slug, role="member")
    session = get_session()
    review = queries.get_review(session, chamber, review_id)
    if review is None or review.member_id not in _own_member_ids(session, chamber):
        abort(404)
    form = ReplyForm()
    return _run(chamber, form, lambda s: ops.reply_to_review(s, review, form.text.data), _("Your reply is published."))


@login_required
def hide(slug: str, review_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    review = queries.get_review(get_session(), chamber, review_id)
    if review is None:
        abort(404)
    form = HideForm()
    return _run(
        chamber,
        form,
        lambda s: ops.hide_review(s, review, form.reason.data, current_user),
        _("The review is hidden; the reason is shown in its place."),
    )


@login_required
def respond(slug: str, complaint_id: int) -> Any:
    chamber = load_chamber(slug, role="member")
    session = get_session()
    complaint = queries.get_chamber_complaint(session, chamber, complaint_id)
    if complaint is None or complaint.member_id not in _own_member_ids(session, chamber):
        abort(404)
    form = RespondForm()
    name = queries.business_name(session, complaint.chamber_id, complaint.member_id)

    def action(s: Any) -> Any:
        ops.respond_to_complaint(s, complaint, form.text.data, current_user)
        return lambda: complaint_mail(chamber, name, complaint, "responded", form.text.data)

    return _run(chamber, form, action, _("Your response is on the complaint's tracking page."))


@login_required
def decide(slug: str, complaint_id: int) -> Any:
    chamber = load_chamber(slug, role="organizer")
    session = get_session()
    complaint = queries.get_chamber_complaint(session, chamber, complaint_id)
    if complaint is None:
        abort(404)
    form = DecideForm()
    name = queries.business_name(session, complaint.chamber_id, complaint.member_id)

    def action(s: Any) -> Any:
        ops.decide_complaint(s, complaint, form.decision.data, form.reason.data, current_user)
        return lambda: complaint_mail(chamber, name, complaint, form.decision.data, form.reason.data)

    return _run(chamber, form, action, _("The decision is recorded and mailed to the shopper."))


@login_required
def settings(slug: str) -> Any:
    chamber = load_chamber(slug, role="organizer")
    form = TrustSettingsForm()

    def action(s: Any) -> None:
        ops.update_trust_settings(s, chamber, complaint_days=form.complaint_days.data,
                                  public_ledger=form.public_ledger.data)

    return _run(chamber, form, action, _("Settings saved."))


@login_required
def evidence(slug: str, complaint_id: int) -> Any:
    chamber = load_chamber(slug, role="member")
    session = get_session()
    complaint = queries.get_chamber_complaint(session, chamber, complaint_id)
    allowed = complaint is not None and (
        chamber_role(chamber) == "organizer" or complaint.member_id in _own_member_ids(session, chamber)
    )
    if not allowed or complaint is None or complaint.evidence is None:
        abort(404)
    from flask import Response

    return Response(
        complaint.evidence,
        mimetype=complaint.evidence_type,
        headers={"Content-Security-Policy": "default-src 'none'", "Cache-Control": "private, no-store"},
    )
