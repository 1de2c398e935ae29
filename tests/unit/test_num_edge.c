/*
 * test_num_edge.c - MiniNumber at its edges: range and decimal limits,
 * 64 vs 65 digits, negative and wrapped scales, exact and inexact
 * division, remainder signs and scales, powers with negative and large
 * exponents, square roots, rounding, integer conversion, malformed text
 * and malformed wire input.
 *
 * The table's expected results are what the reference's MiniNumber
 * (Java BigDecimal with MathContext(64, DOWN), its limit check and its
 * plain-text re-parse) gives for each input.  A result is written as
 * "OK <toString> <scale> <encoding hex>" or "ERR"; "int", "cmp" and
 * "plain" give one value, "decode" adds the plain form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <minima/errors.h>
#include <minima/stream.h>

#include "test_support.h"
#include "types/num.h"

static const struct edge {
  const char *op, *a, *b, *want;
} edges[] = {
    {"parse", "18446744073709551615", NULL,
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"parse", "-18446744073709551615", NULL,
     "OK -18446744073709551615 0 0009ff0000000000000001"},
    {"parse", "18446744073709551616", NULL, "ERR"},
    {"parse", "-18446744073709551616", NULL, "ERR"},
    {"parse",
     "18446744073709551615.00000000000000000000000000000000000000000001", NULL,
     "ERR"},
    {"parse",
     "18446744073709551615.000000000000000000000000000000000000000000009", NULL,
     "OK 18446744073709551615 44 2c1b047bf19673df52e37aa81e6aa930ad1c80dbe"
     "ffee2f00000000000"},
    {"parse",
     "18446744073709551614.999999999999999999999999999999999999999999999", NULL,
     "OK 18446744073709551614.99999999999999999999999999999999999999999999"
     " 44 2c1b047bf19673df52e37aa81e6aa930ad1c80dbeffee2efffffffffff"},
    {"parse", "1844674407370955161.5E1", NULL,
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"parse", "1.8446744073709551615E19", NULL,
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"parse", "1.8446744073709551616E19", NULL, "ERR"},
    {"parse",
     "1234567890123456789012345678901234567890123456789012345678901234", NULL,
     "ERR"},
    {"parse",
     "0.1234567890123456789012345678901234567890123456789012345678901234", NULL,
     "OK 0.12345678901234567890123456789012345678901234 44 2c13008db8b083f"
     "7bd8fe05ddb7e55f2d87e96aff2"},
    {"parse",
     "0.12345678901234567890123456789012345678901234567890123456789012345",
     NULL,
     "OK 0.12345678901234567890123456789012345678901234 44 2c13008db8b083f"
     "7bd8fe05ddb7e55f2d87e96aff2"},
    {"parse",
     "1.234567890123456789012345678901234567890123456789012345678901234", NULL,
     "OK 1.23456789012345678901234567890123456789012345 44 2c13058936e527a"
     "d679ec3aa92ef5b7c74f1e2df79"},
    {"parse",
     "1.2345678901234567890123456789012345678901234567890123456789012345", NULL,
     "OK 1.23456789012345678901234567890123456789012345 44 2c13058936e527a"
     "d679ec3aa92ef5b7c74f1e2df79"},
    {"parse", "0.00000000000000000000000000000000000000000001", NULL,
     "OK 0.00000000000000000000000000000000000000000001 44 2c0101"},
    {"parse", "0.000000000000000000000000000000000000000000019", NULL,
     "OK 0.00000000000000000000000000000000000000000001 44 2c0101"},
    {"parse", "-0.000000000000000000000000000000000000000000019", NULL,
     "OK -0.00000000000000000000000000000000000000000001 44 2c01ff"},
    {"parse", "1E19", NULL, "OK 10000000000000000000 -19 ed0101"},
    {"parse", "1E20", NULL, "ERR"},
    {"parse", "1E-45", NULL, "OK 0 44 2c0100"},
    {"parse", "0E-100", NULL, "OK 0 44 2c0100"},
    {"parse", "0E+2147483647", NULL, "OK 0 -2147483647 010100"},
    {"parse", "0E-2147483647", NULL, "OK 0 44 2c0100"},
    {"parse", "1E+2147483648", NULL, "ERR"},
    {"parse", "1e-2147483648", NULL, "ERR"},
    {"parse", "1E2147483648", NULL, "ERR"},
    {"parse", "0.0E-2147483648", NULL, "ERR"},
    {"parse", "1E00000000000000000003", NULL, "OK 1000 -3 fd0101"},
    {"parse", "1E12345678901", NULL, "ERR"},
    {"parse", "1.", NULL, "OK 1 0 000101"},
    {"parse", ".5", NULL, "OK 0.5 1 010105"},
    {"parse", "-.5", NULL, "OK -0.5 1 0101fb"},
    {"parse", "+.5E+1", NULL, "OK 5 0 000105"},
    {"parse", ".", NULL, "ERR"},
    {"parse", "-", NULL, "ERR"},
    {"parse", "+", NULL, "ERR"},
    {"parse", "1e", NULL, "ERR"},
    {"parse", "1e+", NULL, "ERR"},
    {"parse", "1.2.3", NULL, "ERR"},
    {"parse", "1,5", NULL, "ERR"},
    {"parse", "0x10", NULL, "ERR"},
    {"parse", "1E1.5", NULL, "ERR"},
    {"parse", "--1", NULL, "ERR"},
    {"parse", "1-", NULL, "ERR"},
    {"parse", "Infinity", NULL, "ERR"},
    {"parse", "NaN", NULL, "ERR"},
    {"parse", "00000", NULL, "OK 0 0 000100"},
    {"parse", "-0", NULL, "OK 0 0 000100"},
    {"parse", "-0.000", NULL, "OK 0 3 030100"},
    {"parse", "1E-20", NULL, "OK 0.00000000000000000001 20 140101"},
    {"add", "18446744073709551615", "-18446744073709551615", "OK 0 0 000100"},
    {"add", "18446744073709551615",
     "0.00000000000000000000000000000000000000000001", "ERR"},
    {"sub", "-18446744073709551615",
     "0.00000000000000000000000000000000000000000001", "ERR"},
    {"sub", "18446744073709551615",
     "0.00000000000000000000000000000000000000000001",
     "OK 18446744073709551614.99999999999999999999999999999999999999999999"
     " 44 2c1b047bf19673df52e37aa81e6aa930ad1c80dbeffee2efffffffffff"},
    {"sub", "0", "0.00000000000000000000000000000000000000000001",
     "OK -0.00000000000000000000000000000000000000000001 44 2c01ff"},
    {"add", "1E19", "8446744073709551615",
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"add", "1E19", "8446744073709551616", "ERR"},
    {"add", "0.5", "0.50", "OK 1 2 020164"},
    {"add", "1.5", "-1.5", "OK 0 1 010100"},
    {"add", "1.50", "-1.5", "OK 0 2 020100"},
    {"add", "1E3", "0.00", "OK 1000 2 02030186a0"},
    {"add", "0E+5", "0.001", "OK 0.001 3 030101"},
    {"add", "0.000", "0E+5", "OK 0 3 030100"},
    {"sub",
     "1000000000000000000000000000000000000000000000000000000000000000E-44",
     "0.00000000000000000000000000000000000000000001",
     "OK 9999999999999999999.99999999999999999999999999999999999999999999 "
     "44 2c1b026e4d30eccc3215dd8f3157d27e23acbdcfe67fffffffffffffff"},
    {"add", "12345678901234567890.1234567890123456789012345678901234567890123",
     "0.00000000000000000000000000000000000000000009",
     "OK 12345678901234567890.12345678901234567890123456789012345678901239"
     " 44 2c1b030046030f26f462d7ac21a27eb9d53fff233c7acd12d87e96aff7"},
    {"mul", "0.5", "0.5", "OK 0.25 2 020119"},
    {"mul", "-0.5", "0.5", "OK -0.25 2 0201e7"},
    {"mul", "-1", "0", "OK 0 0 000100"},
    {"mul", "0.000", "1E3", "OK 0 0 000100"},
    {"mul", "4294967296", "4294967295.99999999",
     "OK 18446744073709551573.05032704 8 080c05f5e0ffffffffff00000000"},
    {"mul", "4294967295", "4294967297",
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"mul", "4294967296", "4294967297", "ERR"},
    {"mul", "18446744073709551615", "1.0000000",
     "OK 18446744073709551615 7 070c0098967fffffffffff676980"},
    {"mul", "18446744073709551615", "-1",
     "OK -18446744073709551615 0 0009ff0000000000000001"},
    {"mul", "0.1234567890123456789012345678901234567890123",
     "0.1234567890123456789012345678901234567890123",
     "OK 0.01524157875323883675049535156256668194500837 44 2c12117f18f134b"
     "bba1278ba9be5b81f8b20f0e5"},
    {"div", "1", "4", "OK 0.25 2 020119"},
    {"div", "1.00", "4", "OK 0.25 2 020119"},
    {"div", "1", "0.25", "OK 4 0 000104"},
    {"div", "100", "0.5", "OK 200 0 000200c8"},
    {"div", "1E3", "10", "OK 100 0 000164"},
    {"div", "10", "1E3", "OK 0.01 3 03010a"},
    {"div", "6", "2.00", "OK 3 0 000103"},
    {"div", "6.00", "2", "OK 3 2 0202012c"},
    {"div", "1", "8", "OK 0.125 3 03017d"},
    {"div", "1", "1024", "OK 0.0009765625 10 0a04009502f9"},
    {"div", "1", "3",
     "OK 0.33333333333333333333333333333333333333333333 44 2c13017ea5dcd14"
     "a70f67fb6b0005f055555555555"},
    {"div", "-1", "3",
     "OK -0.33333333333333333333333333333333333333333333 44 2c13fe815a232e"
     "b58f0980494fffa0faaaaaaaaaab"},
    {"div", "1", "-3",
     "OK -0.33333333333333333333333333333333333333333333 44 2c13fe815a232e"
     "b58f0980494fffa0faaaaaaaaaab"},
    {"div", "18446744073709551615", "1",
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"div", "18446744073709551615", "0.5", "ERR"},
    {"div", "18446744073709551615", "2",
     "OK 9223372036854775807.5 1 010904fffffffffffffffb"},
    {"div", "18446744073709551615", "-18446744073709551615", "OK -1 0 0001ff"},
    {"div", "0.00000000000000000000000000000000000000000001", "1E8",
     "OK 0 44 2c0100"},
    {"div", "1", "0.00000000000000000000000000000000000000000001", "ERR"},
    {"div", "0.0001", "0.00000000000000000000000000000000000000000001", "ERR"},
    {"div", "0", "3", "OK 0 0 000100"},
    {"div", "0.000", "3", "OK 0 3 030100"},
    {"div", "0", "0.001", "OK 0 0 000100"},
    {"div", "0", "0", "ERR"},
    {"div", "5", "0.000", "ERR"},
    {"div", "22", "7",
     "OK 3.14285714285714285714285714285714285714285714 44 2c130e17d2b4479"
     "94da66b03a0037fe92492492492"},
    {"div", "1E19", "3",
     "OK 3333333333333333333.33333333333333333333333333333333333333333333 "
     "44 2c1b00cf6f104eeebb5c9f2fbb1d462a0be43f454cd555555555555555"},
    {"div", "12345678901234567890", "9876543210.123456789",
     "OK 1249999988.7187499992867187487345898437004995115760471 44 2c17014"
     "e18784eb65f6f4a470288800197e5929cfbdb865166"},
    {"div", "0.00000000000000000000001",
     "0.0000000000000000000000000000000000000001",
     "OK 100000000000000000 0 0008016345785d8a0000"},
    {"rem", "17", "5", "OK 2 0 000102"},
    {"rem", "-17", "5", "OK -2 0 0001fe"},
    {"rem", "17", "-5", "OK 2 0 000102"},
    {"rem", "-17", "-5", "OK -2 0 0001fe"},
    {"rem", "10.75", "0.5", "OK 0.25 2 020119"},
    {"rem", "-10.75", "3", "OK -1.75 2 0202ff51"},
    {"rem", "10", "0.003", "OK 0.001 3 030101"},
    {"rem", "100", "0.5", "OK 0 0 000100"},
    {"rem", "5", "5.0", "OK 0 1 010100"},
    {"rem", "1", "3", "OK 1 0 000101"},
    {"rem", "0", "3", "OK 0 0 000100"},
    {"rem", "0.00", "3", "OK 0 2 020100"},
    {"rem", "3", "0", "ERR"},
    {"rem", "18446744073709551615", "7", "OK 1 0 000101"},
    {"rem", "18446744073709551615",
     "0.00000000000000000000000000000000000000000001", "OK 0 0 000100"},
    {"rem", "18446744073709551615", "0.3", "OK 0 0 000100"},
    {"rem", "1E19", "7", "OK 3 0 000103"},
    {"rem", "7", "1E19", "OK 7 0 000107"},
    {"rem", "1.5", "0.5", "OK 0 1 010100"},
    {"rem", "12.340", "1.2", "OK 0.34 3 03020154"},
    {"pow", "2", "64", "ERR"},
    {"pow", "2", "63", "OK 9223372036854775808 0 0009008000000000000000"},
    {"pow", "-2", "63", "OK -9223372036854775808 0 00088000000000000000"},
    {"pow", "-2", "64", "ERR"},
    {"pow", "2", "-1", "OK 0.5 1 010105"},
    {"pow", "2", "-10", "OK 0.0009765625 10 0a04009502f9"},
    {"pow", "3", "-1",
     "OK 0.33333333333333333333333333333333333333333333 44 2c13017ea5dcd14"
     "a70f67fb6b0005f055555555555"},
    {"pow", "-3", "-3",
     "OK -0.03703703703703703703703703703703703703703703 44 2c12d57bcb0530"
     "9e1d800825554ac684bda12f69"},
    {"pow", "0", "0", "OK 1 0 000101"},
    {"pow", "0", "5", "OK 0 0 000100"},
    {"pow", "0", "-1", "ERR"},
    {"pow", "0.00", "3", "OK 0 6 060100"},
    {"pow", "0.0", "30", "OK 0 30 1e0100"},
    {"pow", "1.5", "2", "OK 2.25 2 020200e1"},
    {"pow", "1.50", "2", "OK 2.25 4 040257e4"},
    {"pow", "10", "19", "OK 10000000000000000000 0 0009008ac7230489e80000"},
    {"pow", "10", "20", "ERR"},
    {"pow", "1E1", "2", "OK 100 0 000164"},
    {"pow", "0.1", "44",
     "OK 0.00000000000000000000000000000000000000000001 44 2c0101"},
    {"pow", "0.1", "45", "OK 0 44 2c0100"},
    {"pow", "1.0000001", "1000",
     "OK 1.00010000499516617114179497928069472729349914 44 2c13047c0ef9fe0"
     "52857b0d011896b24ab2deebf1a"},
    {"pow", "0.9999999", "100000",
     "OK 0.99004983325414310382141459599488504826243757 44 2c130470857f1af"
     "f583330981ce028cf03dd852aad"},
    {"pow", "1.1", "-1023",
     "OK 0.00000000000000000000000000000000000000000045 44 2c012d"},
    {"pow", "7", "1023", "ERR"},
    {"pow", "1.0001", "999999999", "ERR"},
    {"pow", "1", "999999999", "OK 1 0 000101"},
    {"pow", "-1", "999999999", "OK -1 0 0001ff"},
    {"pow", "-1", "-999999999", "OK -1 0 0001ff"},
    {"pow", "2", "1000000000", "ERR"},
    {"pow", "0.5", "-64", "ERR"},
    {"pow", "0.5", "-65", "ERR"},
    {"pow", "3.14159265358979323846264338327950288419716939937510582097494",
     "3",
     "OK 31.00627668029982017547631506710139520222528828 44 2c14008b0975c4"
     "f97368014c9fa367528bb016dc853c"},
    {"pow", "1.23456789", "-7",
     "OK 0.22876793912212732424978277569143258781739433 44 2c1301069cdae2b"
     "5eab0db44e9019e4efeec7269a9"},
    {"sqrt", "0", NULL, "OK 0 0 000100"},
    {"sqrt", "0.00", NULL, "OK 0 1 010100"},
    {"sqrt", "0.000", NULL, "OK 0 1 010100"},
    {"sqrt", "1", NULL, "OK 1 0 000101"},
    {"sqrt", "1.00", NULL, "OK 1 1 01010a"},
    {"sqrt", "1.0", NULL, "OK 1 0 000101"},
    {"sqrt", "100", NULL, "OK 10 0 00010a"},
    {"sqrt", "1E2", NULL, "OK 10 0 00010a"},
    {"sqrt", "1E3", NULL,
     "OK 31.62277660168379331998893544432718533719555139 44 2c14008dcd2ad0"
     "2a822ddfafb6a505b83f7260b4fc43"},
    {"sqrt", "10", NULL,
     "OK 3.16227766016837933199889354443271853371955513 44 2c130e2e1de19dd"
     "9d1632b2bdd4d5f398b70121939"},
    {"sqrt", "0.01", NULL, "OK 0.1 1 010101"},
    {"sqrt", "0.0001", NULL, "OK 0.01 2 020101"},
    {"sqrt", "0.001", NULL,
     "OK 0.03162277660168379331998893544432718533719555 44 2c12244d194bd18"
     "9c61c977a887426f9b6e17603"},
    {"sqrt", "2.25", NULL, "OK 1.5 1 01010f"},
    {"sqrt", "2.250", NULL, "OK 1.5 1 01010f"},
    {"sqrt", "144", NULL, "OK 12 0 00010c"},
    {"sqrt", "18446744073709551615", NULL,
     "OK 4294967295.99999999988358467817306518554529727818955797 44 2c1704"
     "7bf19673df52e37ce61735e320568e3fde79cca2fc15"},
    {"sqrt", "0.00000000000000000000000000000000000000000001", NULL,
     "OK 0.0000000000000000000001 22 160101"},
    {"sqrt", "0.00000000000000000000000000000000000000000004", NULL,
     "OK 0.0000000000000000000002 22 160102"},
    {"sqrt", "18446744065119617025", NULL, "OK 4294967295 0 000500ffffffff"},
    {"sqrt", "18446744065119617024", NULL,
     "OK 4294967294.99999999988358467814596013122684878009503216 44 2c1704"
     "7bf1966f63614d0906c45261be4dc1e6a0d78fa58df0"},
    {"sqrt", "-1", NULL, "ERR"},
    {"sqrt", "-0.00", NULL, "OK 0 1 010100"},
    {"sqrt", "1234567890.0987654321", NULL,
     "OK 35136.4182878500783608951314790615875758655502914 44 2c1502677526"
     "155fc995028dc0552257b11b4796cac694"},
    {"floor", "0", NULL, "OK 0 0 000100"},
    {"floor", "0.00", NULL, "OK 0 0 000100"},
    {"floor", "-0.5", NULL, "OK -1 0 0001ff"},
    {"floor", "0.5", NULL, "OK 0 0 000100"},
    {"floor", "-0.00000000000000000000000000000000000000000001", NULL,
     "OK -1 0 0001ff"},
    {"floor", "0.00000000000000000000000000000000000000000001", NULL,
     "OK 0 0 000100"},
    {"floor", "1E3", NULL, "OK 1000 0 000203e8"},
    {"floor", "-18446744073709551615", NULL,
     "OK -18446744073709551615 0 0009ff0000000000000001"},
    {"floor", "-18446744073709551614.5", NULL,
     "OK -18446744073709551615 0 0009ff0000000000000001"},
    {"ceil", "-18446744073709551614.5", NULL,
     "OK -18446744073709551614 0 0009ff0000000000000002"},
    {"ceil", "18446744073709551614.5", NULL,
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"ceil", "18446744073709551614.000001", NULL,
     "OK 18446744073709551615 0 000900ffffffffffffffff"},
    {"ceil", "-0.5", NULL, "OK 0 0 000100"},
    {"ceil", "0.00", NULL, "OK 0 0 000100"},
    {"ceil", "1E3", NULL, "OK 1000 0 000203e8"},
    {"abs", "-0", NULL, "OK 0 0 000100"},
    {"abs", "-1E3", NULL, "OK 1000 0 000203e8"},
    {"abs", "-0.00", NULL, "OK 0 2 020100"},
    {"neg", "0", NULL, "OK 0 0 000100"},
    {"neg", "0.00", NULL, "OK 0 2 020100"},
    {"neg", "-5.50", NULL, "OK 5.5 2 02020226"},
    {"neg", "1E3", NULL, "OK -1000 0 0002fc18"},
    {"sigdig", "123.456", "0", "OK 123.456 3 030301e240"},
    {"sigdig", "123.456", "1", "OK 100 0 000164"},
    {"sigdig", "123.456", "64", "OK 123.456 3 030301e240"},
    {"sigdig", "123.456", "65", "ERR"},
    {"sigdig", "123.456", "-1", "ERR"},
    {"sigdig", "1234567890123456789", "3",
     "OK 1230000000000000000 0 00081111d67bb1bb0000"},
    {"sigdig", "-1234.5678", "2", "OK -1200 0 0002fb50"},
    {"sigdig", "0.000123456", "2", "OK 0.00012 5 05010c"},
    {"sigdig", "0.00", "3", "OK 0 2 020100"},
    {"sigdig", "18446744073709551615", "1",
     "OK 10000000000000000000 0 0009008ac7230489e80000"},
    {"sigdig", "999.999", "3", "OK 999 0 000203e7"},
    {"sigdig", "1E3", "1", "OK 1000 0 000203e8"},
    {"int", "0", NULL, "OK 0"},
    {"int", "1.9", NULL, "OK 1"},
    {"int", "-1.9", NULL, "OK -1"},
    {"int", "2147483647", NULL, "OK 2147483647"},
    {"int", "2147483648", NULL, "OK -2147483648"},
    {"int", "-2147483648", NULL, "OK -2147483648"},
    {"int", "-2147483649", NULL, "OK 2147483647"},
    {"int", "4294967296", NULL, "OK 0"},
    {"int", "4294967297.9", NULL, "OK 1"},
    {"int", "-4294967297.9", NULL, "OK -1"},
    {"int", "18446744073709551615", NULL, "OK -1"},
    {"int", "-18446744073709551615", NULL, "OK 1"},
    {"int", "9223372036854775808", NULL, "OK 0"},
    {"int", "1E19", NULL, "OK -1981284352"},
    {"int", "1E18", NULL, "OK -1486618624"},
    {"int", "0.99999", NULL, "OK 0"},
    {"int", "18446744069414584320", NULL, "OK 0"},
    {"cmp", "1.0", "1", "OK 0"},
    {"cmp", "1E1", "10", "OK 0"},
    {"cmp", "1E1", "10.000001", "OK -1"},
    {"cmp", "-1E1", "-10.000001", "OK 1"},
    {"cmp", "0", "-0.00", "OK 0"},
    {"cmp", "18446744073709551615",
     "18446744073709551614.99999999999999999999999999999999999999999999",
     "OK 1"},
    {"cmp", "0.00000000000000000000000000000000000000000001", "0", "OK 1"},
    {"cmp", "-0.00000000000000000000000000000000000000000001", "0", "OK -1"},
    {"cmp", "0.1", "0.09999999999999999999999999999999999999999999", "OK 1"},
    {"cmp", "1E19", "9999999999999999999.9999999", "OK 1"},
    {"plain", "1E3", NULL, "OK 1000"},
    {"plain", "0.000", NULL, "OK 0.000"},
    {"plain", "0E+5", NULL, "OK 0"},
    {"plain", "-0.0010", NULL, "OK -0.0010"},
    {"plain", "1.50", NULL, "OK 1.50"},
    {"plain", "0.00000000000000000000000000000000000000000001", NULL,
     "OK 0.00000000000000000000000000000000000000000001"},
    {"decode", "0000", NULL, "ERR"},
    {"decode", "00", NULL, "ERR"},
    {"decode", "0001", NULL, "ERR"},
    {"decode", "002100", NULL, "ERR"},
    {"decode", "0080", NULL, "ERR"},
    {"decode", "00ff", NULL, "ERR"},
    {"decode", "000280", NULL, "ERR"},
    {"decode",
     "80208000000000000000000000000000000000000000000000000000000000000000"
     "00",
     NULL,
     "OK -5789604461865809771178549250434395392663499233282028201972879200"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00000 -141 731bf1ed1ecbdb44bf1ecd79a5a0df94f9046770b3c6dc406ff1dfb0a"
     "0 -57896044618658097711785492504343953926634992332820282019728792000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "0000"},
    {"decode",
     "7f207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ff",
     NULL,
     "OK 0.000000000000000000000000000000000000000000000000005789604461865"
     "8097711785492504343953926634992332820282019728792 114 721b0e12e13424"
     "bb40e132865a5f206b06fb988f4c3923bf900e204f60 0.000000000000000000000"
     "00000000000000000000000000000578960446186580977117854925043439539266"
     "3499233282028201972879200"},
    {"decode",
     "80207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "ff",
     NULL,
     "OK 57896044618658097711785492504343953926634992332820282019728792000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "0000 -141 731b0e12e13424bb40e132865a5f206b06fb988f4c3923bf900e204f60"
     " 5789604461865809771178549250434395392663499233282028201972879200000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "00"},
    {"decode",
     "002000000000000000000000000000000000000000000000000000000000000001", NULL,
     "ERR"},
    {"decode", "00020001", NULL, "OK 1 0 000101 1"},
    {"decode", "0003ffff80", NULL, "OK -128 0 000180 -128"},
    {"decode", "38010001", NULL,
     "OK 0 56 380100 0.000000000000000000000000000000000000000000000000000"
     "00000"},
    {"decode", "7f01ff", NULL,
     "OK -0.00000000000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000001 12"
     "7 7f01ff -0.00000000000000000000000000000000000000000000000000000000"
     "00000000000000000000000000000000000000000000000000000000000000000000"
     "001"},
};

static void hex_append(char *out, size_t cap, const uint8_t *p, int n) {
  size_t l = strlen(out);
  for (int i = 0; i < n && l + 3 <= cap; i++, l += 2)
    snprintf(out + l, cap - l, "%02x", p[i]);
}

/* "OK <toString> <scale> <hex>" for r. */
static void describe(const mn_num_t *r, char *out, size_t cap) {
  char s[MN_NUM_STR_MAX];
  uint8_t e[MN_NUM_MAX_ENCODED];
  mn__num_to_str(r, s, sizeof s);
  int k = mn__num_encode(r, e, sizeof e);
  assert_true(k > 0);
  snprintf(out, cap, "OK %s %d ", s, (int)r->scale);
  hex_append(out, cap, e, k);
}

static int parse(mn_num_t *n, const char *s) {
  return mn__num_parse(n, s, strlen(s));
}

/* Runs one table row; the result text goes to out. */
static void run(const struct edge *t, char *out, size_t cap) {
  mn_num_t x, y, r;
  int rc;
  if (strcmp(t->op, "decode") == 0) {
    mn_buf_t in = mn_test_unhex(t->a);
    size_t used = 0;
    rc = mn__num_decode(&r, in.data, in.len, &used);
    mn_buf_free(&in);
    if (rc) {
      assert_int_equal(rc, MN_EFORMAT);
      snprintf(out, cap, "ERR");
      return;
    }
    char p[MN_NUM_STR_MAX];
    assert_true(mn__num_to_plain(&r, p, sizeof p) < sizeof p);
    describe(&r, out, cap);
    size_t l = strlen(out);
    snprintf(out + l, cap - l, " %s", p);
    return;
  }
  if ((rc = parse(&x, t->a)))
    goto err;
  if (strcmp(t->op, "parse") == 0) {
    describe(&x, out, cap);
    return;
  }
  if (strcmp(t->op, "plain") == 0) {
    char p[MN_NUM_STR_MAX];
    mn__num_to_plain(&x, p, sizeof p);
    snprintf(out, cap, "OK %s", p);
    return;
  }
  if (strcmp(t->op, "int") == 0) {
    snprintf(out, cap, "OK %d", (int)mn__num_to_i32_wrap(&x));
    return;
  }
  if (strcmp(t->op, "cmp") == 0) {
    if ((rc = parse(&y, t->b)))
      goto err;
    int c = mn__num_cmp(&x, &y);
    assert_int_equal(mn__num_cmp(&y, &x), -c);
    snprintf(out, cap, "OK %d", c);
    return;
  }
  if (t->b && strcmp(t->op, "pow") != 0 && strcmp(t->op, "sigdig") != 0 &&
      (rc = parse(&y, t->b)))
    goto err;
  if (strcmp(t->op, "add") == 0)
    rc = mn__num_add(&r, &x, &y);
  else if (strcmp(t->op, "sub") == 0)
    rc = mn__num_sub(&r, &x, &y);
  else if (strcmp(t->op, "mul") == 0)
    rc = mn__num_mul(&r, &x, &y);
  else if (strcmp(t->op, "div") == 0)
    rc = mn__num_div(&r, &x, &y);
  else if (strcmp(t->op, "rem") == 0)
    rc = mn__num_rem(&r, &x, &y);
  else if (strcmp(t->op, "pow") == 0)
    rc = mn__num_pow(&r, &x, atoi(t->b));
  else if (strcmp(t->op, "sqrt") == 0)
    rc = mn__num_sqrt(&r, &x);
  else if (strcmp(t->op, "floor") == 0)
    rc = mn__num_floor(&r, &x);
  else if (strcmp(t->op, "ceil") == 0)
    rc = mn__num_ceil(&r, &x);
  else if (strcmp(t->op, "abs") == 0)
    rc = mn__num_abs(&r, &x);
  else if (strcmp(t->op, "neg") == 0)
    rc = mn__num_neg(&r, &x);
  else if (strcmp(t->op, "sigdig") == 0)
    rc = mn__num_sigdig(&r, &x, atoi(t->b));
  else
    fail_msg("unknown op %s", t->op);
  if (rc)
    goto err;
  /* The same operation with the result aliasing the first operand. */
  mn_num_t alias = x;
  if (strcmp(t->op, "add") == 0) {
    assert_int_equal(mn__num_add(&alias, &alias, &y), 0);
    assert_true(mn__num_same(&alias, &r));
  } else if (strcmp(t->op, "div") == 0) {
    assert_int_equal(mn__num_div(&alias, &alias, &y), 0);
    assert_true(mn__num_same(&alias, &r));
  }
  describe(&r, out, cap);
  return;
err:
  snprintf(out, cap, "ERR");
}

static void test_edge_table(void **state) {
  (void)state;
  int passed = 0, total = 0;
  for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
    char got[512];
    total++;
    run(&edges[i], got, sizeof got);
    if (strcmp(got, edges[i].want) != 0)
      fail_msg("%s %s %s:\n  want %s\n  got  %s", edges[i].op, edges[i].a,
               edges[i].b ? edges[i].b : "", edges[i].want, got);
    passed++;
  }
  printf("%-28s %d/%d passed\n", "edge cases", passed, total);
}

/* --------------------------------------------------------------------------
 * Error codes, aliasing, conversions, predicates, text buffers
 * ------------------------------------------------------------------------ */

static mn_num_t num(const char *s) {
  mn_num_t n;
  int rc = parse(&n, s);
  if (rc)
    fail_msg("cannot parse %s: %s", s, mn_err_name(rc));
  return n;
}

static void test_error_codes(void **state) {
  (void)state;
  mn_num_t r, a = num("5"), z = num("0.00"), max = num("18446744073709551615");
  assert_int_equal(parse(&r, "abc"), MN_EFORMAT);
  assert_int_equal(parse(&r, ""), MN_EFORMAT);
  assert_int_equal(parse(&r, "18446744073709551616"), MN_EOVERFLOW);
  assert_int_equal(parse(&r, "-1E20"), MN_EOVERFLOW);
  assert_int_equal(mn__num_div(&r, &a, &z), MN_EDIVZERO);
  assert_int_equal(mn__num_div(&r, &z, &z), MN_EDIVZERO);
  assert_int_equal(mn__num_rem(&r, &a, &z), MN_EDIVZERO);
  assert_int_equal(mn__num_pow(&r, &a, 1000000000), MN_ERANGE);
  assert_int_equal(mn__num_pow(&r, &a, -1000000000), MN_ERANGE);
  assert_int_equal(mn__num_pow(&r, &z, -1), MN_EDIVZERO);
  assert_int_equal(mn__num_pow(&r, &a, 28), MN_EOVERFLOW);
  assert_int_equal(mn__num_sqrt(&r, (mn_num_t[]){num("-0.1")}), MN_EINVAL);
  assert_int_equal(mn__num_sigdig(&r, &a, 65), MN_ERANGE);
  assert_int_equal(mn__num_sigdig(&r, &a, -1), MN_ERANGE);
  assert_int_equal(mn__num_add(&r, &max, (mn_num_t[]){num("1E-44")}),
                   MN_EOVERFLOW);
  assert_int_equal(mn__num_mul(&r, &max, &max), MN_EOVERFLOW);
  assert_int_equal(mn__num_neg(&r, &max), 0);
  assert_int_equal(mn__num_sub(&r, &r, (mn_num_t[]){num("1E-44")}),
                   MN_EOVERFLOW);
  /* The output is untouched by a failing operation, also when it aliases
   * an operand. */
  mn_num_t keep = max;
  assert_int_equal(mn__num_add(&keep, &keep, &keep), MN_EOVERFLOW);
  assert_true(mn__num_same(&keep, &max));
  mn_num_t junk;
  memset(&junk, 0x33, sizeof junk);
  mn_num_t before = junk;
  assert_int_equal(mn__num_div(&junk, &a, &z), MN_EDIVZERO);
  assert_memory_equal(&junk, &before, sizeof junk);
  assert_int_equal(parse(&junk, "1e"), MN_EFORMAT);
  assert_memory_equal(&junk, &before, sizeof junk);
}

static void test_integers(void **state) {
  (void)state;
  mn_num_t n;
  char s[MN_NUM_STR_MAX];
  int64_t v;
  mn__num_from_i64(&n, INT64_MIN);
  mn__num_to_str(&n, s, sizeof s);
  assert_string_equal(s, "-9223372036854775808");
  assert_int_equal(mn__num_to_i64(&n, &v), 0);
  assert_true(v == INT64_MIN);
  mn__num_from_u64(&n, UINT64_MAX);
  mn__num_to_str(&n, s, sizeof s);
  assert_string_equal(s, "18446744073709551615");
  assert_int_equal(mn__num_to_i64(&n, &v), MN_ERANGE);
  assert_int_equal(mn__num_to_i32_wrap(&n), -1);

  static const struct {
    const char *text;
    int rc;
    int64_t v;
  } cases[] = {
      {"9223372036854775807.99", 0, INT64_MAX},
      {"9223372036854775808", MN_ERANGE, 0},
      {"-9223372036854775808.9", 0, INT64_MIN},
      {"-9223372036854775809", MN_ERANGE, 0},
      {"1E3", 0, 1000},
      {"1E18", 0, 1000000000000000000},
      {"1E19", MN_ERANGE, 0},
      {"-0.999", 0, 0},
      {"0.00", 0, 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    n = num(cases[i].text);
    v = 42;
    assert_int_equal(mn__num_to_i64(&n, &v), cases[i].rc);
    if (cases[i].rc == 0)
      assert_true(v == cases[i].v);
  }
}

static void test_predicates(void **state) {
  (void)state;
  static const struct {
    const char *text;
    bool whole, amount;
    int sign;
  } cases[] = {
      {"0", true, false, 0},
      {"0.00", true, false, 0},
      {"1.000", true, true, 1},
      {"1.5", false, true, 1},
      {"1E3", true, true, 1},
      {"1E9", true, true, 1},
      {"1000000000.00000000000000000000000000000000000001", false, false, 1},
      {"0.00000000000000000000000000000000000000000001", false, true, 1},
      {"-1", true, false, -1},
      {"-0.5", false, false, -1},
      {"18446744073709551615", true, false, 1},
      {"12345678901234567890.12345678901234567890123456789012345678901234",
       false, false, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    mn_num_t n = num(cases[i].text);
    assert_int_equal(mn__num_is_whole(&n), cases[i].whole);
    assert_int_equal(mn__num_is_valid_amount(&n), cases[i].amount);
    assert_int_equal(mn__num_sign(&n), cases[i].sign);
  }
  /* Decoded numbers with large scales. */
  mn_num_t d;
  size_t used;
  assert_int_equal(
      mn__num_decode(&d, (const uint8_t *)"\x7f\x01\x0a", 3, &used), 0);
  assert_false(mn__num_is_whole(&d));
  assert_int_equal(
      mn__num_decode(&d, (const uint8_t *)"\x80\x01\x0a", 3, &used), 0);
  assert_true(mn__num_is_whole(&d));
  assert_false(mn__num_is_valid_amount(&d));
}

static void test_text_buffers(void **state) {
  (void)state;
  mn_num_t n = num("-123.4500");
  char s[8];
  assert_int_equal(mn__num_to_str(&n, s, sizeof s), 7);
  assert_string_equal(s, "-123.45");
  char t[4];
  assert_int_equal(mn__num_to_str(&n, t, sizeof t), 7);
  assert_string_equal(t, "-12");
  assert_int_equal(mn__num_to_plain(&n, t, sizeof t), 9);
  assert_string_equal(t, "-12");
  assert_int_equal(mn__num_to_plain(&n, NULL, 0), 9);
  /* The longest text any read number can have fits MN_NUM_STR_MAX: 64
   * digits at scale -141 (the reader's -128 less 13 rounded digits). */
  uint8_t w[34] = {0x80, 32, 0x80};
  mn_num_t d;
  size_t used;
  assert_int_equal(mn__num_decode(&d, w, sizeof w, &used), 0);
  assert_int_equal(d.scale, -141);
  char big[MN_NUM_STR_MAX];
  size_t len = mn__num_to_str(&d, big, sizeof big);
  assert_int_equal(len, 1 + 64 + 141);
  assert_true(len < MN_NUM_STR_MAX);
  assert_int_equal(strlen(big), len);
  /* A hand-built number with a huge scale is counted, not written. */
  mn_num_t odd;
  memset(&odd, 0, sizeof odd);
  odd.mag[0] = 7;
  odd.scale = 1000000;
  assert_int_equal(mn__num_to_plain(&odd, big, sizeof big), 1000001 + 1);
  assert_int_equal(strlen(big), MN_NUM_STR_MAX - 1);
}

static void test_from_decimal(void **state) {
  (void)state;
  mn_num_t bd, r;
  memset(&bd, 0, sizeof bd);
  bd.mag[0] = 1;
  bd.scale = -1;
  assert_int_equal(mn__num_from_decimal(&r, &bd), 0);
  assert_int_equal(r.mag[0], 10);
  assert_int_equal(r.scale, 0);
  bd.scale = -20;
  assert_int_equal(mn__num_from_decimal(&r, &bd), MN_EOVERFLOW);
  bd.scale = 50;
  bd.mag[0] = 123456789;
  assert_int_equal(mn__num_from_decimal(&r, &bd), 0);
  assert_int_equal(r.scale, 44);
  assert_int_equal(r.mag[0], 123);
  /* A magnitude beyond 64 digits is first cut to 64 digits. */
  memset(&bd, 0xff, sizeof bd.mag);
  bd.scale = 60;
  bd.neg = 1;
  assert_int_equal(mn__num_from_decimal(&r, &bd), 0);
  char s[MN_NUM_STR_MAX];
  mn__num_to_str(&r, s, sizeof s);
  assert_string_equal(
      s, "-115792089237316195.42357098500868790785326998466564056403945758");
}

static void test_api_table(void **state) {
  (void)state;
  const mn_num_api_t *api = mn__num_api();
  assert_non_null(api);
  assert_int_equal(api->size, sizeof *api);
  /* Every entry is set. */
  const char *p = (const char *)api + offsetof(mn_num_api_t, parse);
  const char *end = (const char *)api + sizeof *api;
  for (; p + sizeof(void (*)(void)) <= end; p += sizeof(void (*)(void))) {
    void (*fn)(void);
    memcpy(&fn, p, sizeof fn);
    assert_non_null(fn);
  }
  mn_num_t a, b, r;
  assert_int_equal(api->parse(&a, "2.5", 3), 0);
  api->from_i64(&b, -2);
  assert_int_equal(api->mul(&r, &a, &b), 0);
  char s[MN_NUM_STR_MAX];
  api->to_str(&r, s, sizeof s);
  assert_string_equal(s, "-5");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_edge_table),   cmocka_unit_test(test_error_codes),
      cmocka_unit_test(test_integers),     cmocka_unit_test(test_predicates),
      cmocka_unit_test(test_text_buffers), cmocka_unit_test(test_from_decimal),
      cmocka_unit_test(test_api_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
