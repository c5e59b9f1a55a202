#include "harness/cli.h"

int main(int argc, char** argv) { return coordcheck::RunCli(argc, argv); }
