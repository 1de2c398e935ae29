#include <stdio.h>
int main(void) { puts("minimad: under construction"); return 0; }
