/* test_dbc_parse.c - DBC statements into struct dbc. */
#include <criterion/criterion.h>
#include <string.h>

#include "can/dbc.h"
#include "common/rc.h"
#include "support.h"

static struct dbc *load(const char *path)
{
	struct dbc_opts o = {.quiet = true};
	struct dbc *db = NULL;

	cr_assert_eq(dbc_load_file(path, &o, &db), BENCH_OK, "%s", path);
	return db;
}

Test(dbc_parse, bms_mux_messages_and_attributes)
{
	struct dbc *db = load("fixtures/dbc/test/bms_mux.dbc");
	const struct dbc_msg *m;
	const struct dbc_sig *s;

	cr_expect_eq(db->n_msgs, 4);
	m = dbc_msg_by_id(db, 475);
	cr_assert_not_null(m);
	cr_expect_str_eq(m->name, "x1DB");
	cr_expect_eq(m->cycle_ms, 10);
	cr_expect_eq(m->size, 8);
	cr_expect_str_eq(m->sender, "BMS");
	cr_expect_str_eq(m->comment, "Leaf-style battery status, Motorola signed current");
	s = dbc_sig_by_name(m, "LB_Current");
	cr_assert_not_null(s);
	cr_expect(s->big_endian);
	cr_expect(s->is_signed);
	cr_expect_eq(s->start, 7);
	cr_expect_eq(s->len, 11);
	cr_expect_eq(s->factor, 0.5);
	cr_expect_eq(s->min, -400);
	cr_expect_str_eq(s->unit, "A");
	cr_expect_str_eq(s->comment, "Pack current,\npositive = discharge; \"LB\" is Li-ion battery");
	s = dbc_sig_by_name(m, "LB_Relay_Cut_Request");
	cr_assert_eq(s->n_vals, 4);
	cr_expect_eq(s->vals[1].raw, 1);
	cr_expect_str_eq(s->vals[1].text, "Cut");
	/* default cycle time from BA_DEF_DEF_ */
	cr_expect_eq(dbc_msg_by_name(db, "Temperatures")->cycle_ms, 100);
	/* 2566869236 = bit 31 | 0x18FF50F4 */
	m = dbc_msg_by_id(db, CANFRAME_EFF | 0x18FF50F4);
	cr_assert_not_null(m);
	cr_expect_str_eq(m->name, "BMS_Status");
	cr_expect_null(dbc_msg_by_id(db, 0x18FF50F4));
	cr_expect_not(m->fd);
	dbc_free(db);
}

Test(dbc_parse, simple_mux)
{
	struct dbc *db = load("fixtures/dbc/test/bms_mux.dbc");
	const struct dbc_msg *m = dbc_msg_by_name(db, "CellVoltages");
	uint8_t d[8] = {1, 0xE4, 0x0C, 0, 0, 0, 0, 7};

	cr_assert_not_null(m);
	const struct dbc_sig *c1 = dbc_sig_by_name(m, "Cell1");
	const struct dbc_sig *c4 = dbc_sig_by_name(m, "Cell4");
	cr_expect_eq(dbc_sig_by_name(m, "CellBlock")->mux, DBC_MUX_SWITCH);
	cr_expect_eq(c1->mux, DBC_MUX_VALUE);
	cr_expect_not(cansig_active(m, c1, d, 8));
	cr_expect(cansig_active(m, c4, d, 8));
	cr_expect(cansig_active(m, dbc_sig_by_name(m, "BlockCounter"), d, 8));
	cr_expect_float_eq(cansig_decode(c4, d, 8), 3.300, 1e-12);
	d[0] = 0;
	cr_expect(cansig_active(m, c1, d, 8));
	cr_expect_not(cansig_active(m, c4, d, 8));
	dbc_free(db);
}
