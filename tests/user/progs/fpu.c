/* fpu.c — x87, SSE and SSE2 arithmetic as printed by the C library. */
#include <math.h>
#include <string.h>

#include "tap.h"

static volatile double two = 2.0, third = 1.0 / 3.0;
static volatile float fl = 1.5f;
static volatile long double ld = 1.0L;

int main(void)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%.17g", sqrt(two));
	CHECK(!strcmp(buf, "1.4142135623730951"), "sqrt(2) = %s", buf);
	snprintf(buf, sizeof(buf), "%.6f %.6f", sin(third), cos(third));
	CHECK(!strcmp(buf, "0.327195 0.944957"), "sin, cos = %s", buf);
	snprintf(buf, sizeof(buf), "%.20Lg", ld / 3);
	CHECK(!strcmp(buf, "0.33333333333333333334"), "long double 1/3 = %s", buf);
	snprintf(buf, sizeof(buf), "%g %g", fl * 4, (double)(fl / 0.0f));
	CHECK(!strcmp(buf, "6 inf"), "float = %s", buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)(1e15 * third));
	CHECK(!strcmp(buf, "333333333333333"), "double to int64 = %s", buf);
	double acc = 0;
	for (int i = 1; i <= 1000; i++)
		acc += 1.0 / i;
	snprintf(buf, sizeof(buf), "%.15f", acc);
	CHECK(!strcmp(buf, "7.485470860550345"), "harmonic(1000) = %s", buf);
	CHECK(isnan(sqrt(-two)), "sqrt(-2) is NaN");
	return tap_done();
}
