"""``make bench``: the mail pipeline against Postfix's smtp-sink (see README, Mail pipeline)."""
