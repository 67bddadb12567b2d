#!/usr/bin/perl
# make-test-mmdb.pl -- write the small MaxMind DB files check_asn looks up.
#
# Usage: perl make-test-mmdb.pl DIR
#
# The databases are built at test time rather than kept in the source
# tree, so the tree holds no binary and the tables below are the whole
# truth: check_asn.c asserts on exactly these mappings (documentation
# prefixes, RFC 3849 and RFC 5737, and documentation AS numbers, RFC 5398);
# change both together.
#
#   asn.mmdb           GeoLite2-ASN-shaped: IPv6 tree, IPv4 under ::/96
#                      with MaxMind's usual aliases (::ffff:0:0/96, 6to4)
#   asn-no-alias.mmdb  IPv4 only under ::/96 (no ::ffff:0:0/96 alias)
#   asn-uint16.mmdb    the AS number stored as uint16
#   asn-uint64.mmdb    ... as uint64, one value above 4294967295
#   asn-string.mmdb    ... as a string ("64496")
#   asn-ipv4-only.mmdb an IPv4 tree (ip_version 4)
#   country.mmdb       records without an AS number (GeoLite2-Country-like)
#
# Exits 0 on success, 77 (the automake "skip" status) when
# MaxMind::DB::Writer is not installed, and dies on any other failure.
use strict;
use warnings;

my $dir = shift @ARGV;
die "usage: $0 DIR\n" unless defined $dir && !@ARGV;

unless (eval { require MaxMind::DB::Writer::Tree; 1 }) {
	print STDERR "MaxMind::DB::Writer::Tree not available "
	    . "(install libmaxmind-db-writer-perl)\n";
	exit 77;
}

# write_db(FILE, ASN_TYPE, IP_VERSION, ALIAS, [NETWORK, DATA]...)
sub write_db {
	my ($file, $asn_type, $ip_version, $alias, @networks) = @_;
	my %types = (
		autonomous_system_number       => $asn_type,
		autonomous_system_organization => 'utf8_string',
		country                        => 'map',
		iso_code                       => 'utf8_string',
	);
	my $tree = MaxMind::DB::Writer::Tree->new(
		ip_version    => $ip_version,
		record_size   => 24,
		database_type => 'GeoLite2-ASN',
		languages     => ['en'],
		description   => { en => "mx6-milter unit test database $file" },
		# The documentation prefixes are reserved; keep them mappable.
		remove_reserved_networks => 0,
		# As in MaxMind's own IPv6 files.
		alias_ipv6_to_ipv4    => $alias,
		map_key_type_callback => sub { $types{ $_[0] } },
	);
	for my $n (@networks) {
		$tree->insert_network($n->[0], $n->[1]);
	}
	open my $fh, '>:raw', "$dir/$file" or die "$dir/$file: $!\n";
	$tree->write_tree($fh);
	close $fh or die "$dir/$file: $!\n";
}

sub as {
	my ($asn, $org) = @_;
	return { autonomous_system_number => $asn,
		 autonomous_system_organization => $org };
}

write_db('asn.mmdb', 'uint32', 6, 1,
	[ '2001:db8:1::/48', as(64496, 'Test AS') ],
	[ '2001:db8:2::/48', as(64497, 'Test AS Two') ],
	[ '192.0.2.0/24',    as(64498, 'Test AS IPv4') ]);

write_db('asn-no-alias.mmdb', 'uint32', 6, 0,
	[ '192.0.2.0/24', as(64498, 'Test AS IPv4') ]);

write_db('asn-uint16.mmdb', 'uint16', 6, 1,
	[ '2001:db8:1::/48', as(64496, 'Test AS') ]);

write_db('asn-uint64.mmdb', 'uint64', 6, 1,
	[ '2001:db8:1::/48', as(64496,      'Test AS') ],
	[ '2001:db8:2::/48', as(4294967295, 'Highest AS') ],
	[ '2001:db8:3::/48', as(4294967296, 'Beyond 32 bits') ]);

write_db('asn-string.mmdb', 'utf8_string', 6, 1,
	[ '2001:db8:1::/48', as('64496', 'Test AS') ]);

write_db('asn-ipv4-only.mmdb', 'uint32', 4, 0,
	[ '192.0.2.0/24', as(64498, 'Test AS IPv4') ]);

write_db('country.mmdb', 'uint32', 6, 1,
	[ '2001:db8:1::/48', { country => { iso_code => 'ZZ' } } ]);

exit 0;
