"""Web plumbing shared by every blueprint: forms and their rules, error pages, security headers,
request logging and redaction, URL converters and links, pagination bounds, rate limits,
static files and what every template can use.

Features build their pages on these; nothing here knows about a particular feature.
"""
