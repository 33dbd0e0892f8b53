#define _XOPEN_SOURCE 700
#include "check_events.h"
#include "run/trigger.h"
int main(void) { return check_done(); }
