#!/usr/bin/perl
# Verifies the DKIM signature of the message on standard input with Mail::DKIM (Debian's
# libmail-dkim-perl), looking keys up on the DNS server at 127.0.0.1:PORT. Prints the
# result ("pass", "fail", …) and its details; exits 0 only on "pass".
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my $port = shift or die "usage: verify_dkim.pl PORT < message\n";
Mail::DKIM::DNS::resolver(
    Net::DNS::Resolver->new(nameservers => ['127.0.0.1'], port => $port, recurse => 0)
);
my $dkim = Mail::DKIM::Verifier->new();
binmode STDIN;
while (<STDIN>) {
    s/\015?\012/\015\012/;
    $dkim->PRINT($_);
}
$dkim->CLOSE();
print $dkim->result, " ", ($dkim->result_detail // ""), "\n";
exit($dkim->result eq "pass" ? 0 : 1);
