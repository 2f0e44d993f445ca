"""Announcements: the chamber's joint voice, scheduled at a time or relative to a campaign moment,
sent once through the core's delivery service (inbox, email, webhooks) and the public Atom feeds;
and the campaigns' iCalendar files. A sub-package of campaigns with the same shape."""
