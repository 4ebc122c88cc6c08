from megp_simulation.cli import main

main()
